//! Nextiva Contact Center (NCC, formerly Thrio) API client: login with the adapter user's
//! credentials, the per-tenant `location` every later call goes to, and the workitem calls
//! Escalator needs. Facts and sources: `shared/vendors/nextiva.md` (sections cited below).
//!
//! Each method makes exactly one request (plus a token fetch when needed) and classifies the
//! outcome as a [`CallError`]; retrying is the dispatcher's job, so every attempt is recorded
//! durably. [`NextivaClient::register`] is the one exception: an admin-time sequence of
//! one-request methods.
//!
//! # Calls (paths relative to the tenant `location` unless marked)
//! | Method | Request | Returns | Source |
//! |---|---|---|---|
//! | (token) | `GET {login}/provider/token-with-authorities`, HTTP Basic | `{token, location, clientLocation}` | §5 |
//! | (token) | `GET {refresh host}/provider/api/token-refresh` with the current token | a new `{token, location}` | §5 |
//! | [`workitem`](NextivaClient::workitem) | `GET /users/api/workitems/{id}` | [`Workitem`], `None` on 404 | §1b, §6 |
//! | [`search_workitems`](NextivaClient::search_workitems) | `GET /data/api/types/workitem?q=&start=&rows=` | [`WorkitemPage`] | §1c, §5 |
//! | [`queue_transfer`](NextivaClient::queue_transfer) | `POST /users/api/calls/{workitemId}/queuetransfer/{inboxId}` | `()` (200 `{}`) | §2 |
//! | [`user_transfer`](NextivaClient::user_transfer) | `POST /users/api/calls/{workitemId}/usertransfer/{userId}` | `()` (200 `{}`) | §2 |
//! | [`change_priority`](NextivaClient::change_priority) | `POST /workflows/api/workitems/{workitemId}/acd` `{"priority": 1..5}` | `()` | §2, §4 |
//! | [`upsert_leads`](NextivaClient::upsert_leads) | `POST /data/api/types/outboundlist/{listId}/leadsupsert/` `[lead, …]` | [`UpsertResult`] | §3.3 |
//! | [`reset_lead`](NextivaClient::reset_lead) | `POST /data/api/types/outboundlist/{listId}/resetlead/{leadId}` | `()` | §3.3 |
//! | [`start_webform`](NextivaClient::start_webform) | `POST /workflows/api/webform` | [`WebformResult`] | §3.4 |
//! | [`find_rest_call`](NextivaClient::find_rest_call) | `GET /data/api/types/restcall?q={name}` | [`RestCallRef`] by exact name | §1a, §7 |
//! | [`create_rest_call`](NextivaClient::create_rest_call) | `POST /data/api/types/restcall/` (201) | [`RestCallRef`] | §1a, §7 |
//! | [`update_rest_call`](NextivaClient::update_rest_call) | `PATCH /data/api/types/restcall/{id}` | `()` | §5 (generic update), §7 |
//! | [`list_rest_calls`](NextivaClient::list_rest_calls) | `GET /data/api/types/restcall?q={text}` | [`RestCallRef`]s by name prefix | §5, §7 |
//! | [`delete_rest_call`](NextivaClient::delete_rest_call) | `DELETE /data/api/types/restcall/{id}` (204) | `true`; `false` on 404 | §5 (generic delete) |
//! | [`attach_rest_call_to_disposition`](NextivaClient::attach_rest_call_to_disposition) | `PATCH /data/api/types/disposition/{id}` `{"restcallId"}` | `()` | §1a, §7.4 |
//!
//! [`registration_plan`] returns the registration writes without sending them (`--dry-run`);
//! [`NextivaClient::register`] searches each REST API object by name, updates it if it
//! exists, creates it otherwise, then attaches the disposition hooks.
//!
//! # Authentication (§5)
//! - Login is `GET {login_base}/provider/token-with-authorities` with HTTP Basic (the NCC
//!   adapter user's username and password); the answer's `location` is the tenant cluster
//!   (`https://mancity.thrio.io`) every later call goes to. A bare host is given `https://`.
//!   [`NextivaConfig::api_base_override`] replaces it (proxies, tests).
//! - The token is cached. Its lifetime is the JWT's `exp` when the token is a readable JWT,
//!   else [`NextivaConfig::assumed_token_lifetime`] (NCC only says "under 24 h"). Within
//!   five minutes (at most half the lifetime) of the end, the next call refreshes it with
//!   `token-refresh`; if the refresh fails for any reason, it logs in again.
//! - A 401 from any call drops the token: the call returns `Retryable { status: 401 }` and
//!   the next call logs in again with Basic (the platform's "re-login on 401").
//! - A rejected login (400/401/403/404) is `Permanent`: wrong credentials, a user without
//!   Contact Center, or a wrong login host cannot be fixed by retrying.
//! - A token fetch that fails before the workitem call was sent is never `Transport`: a
//!   timeout there is `Retryable { status: 0 }`, because the action itself was not sent.
//!
//! # Rate limits (§6)
//! NCC documents none: no 429, no headers. A 429 is still `Retryable` and its `Retry-After`
//! (seconds or HTTP date) becomes `retry_after`; the dispatcher throttles on its own.
//!
//! # For the orchestration
//! - **Ids.** `CallEvent::call_id` is the `workitemId` every workitem call takes. A queue
//!   transfer takes a queue `_id` (`Destination::Queue { id }`), a user transfer an NCC user
//!   `_id` (`Destination::Agent { id }`); `refs` from the intake carry `queue_id`,
//!   `agent_user_id`, `agent_username`, `contact_id` and `workitem_type`. NCC has no transfer
//!   to a phone number: `Destination::Address` is unactionable here.
//! - **Never blindly retry a transfer.** NCC has no idempotency keys (§6): a transfer that
//!   failed with `Transport` *or* a 5xx may already have happened. Before any retry,
//!   re-read the workitem with [`NextivaClient::workitem`]: `None` (404) means the workitem
//!   is gone, so do not retry; a different `agent_username`, a `state` of `inqueue` after a
//!   queue transfer, or a `modified_at_ms` later than the attempt means the transfer most
//!   likely went through; only an unchanged workitem may be transferred again. A 401 is the
//!   one failure known not to have been applied.
//! - **Not idempotent either:** [`NextivaClient::start_webform`] starts a new workitem on
//!   every call (no id comes back on a timeout, so never retry it after `Transport`).
//!   [`NextivaClient::upsert_leads`] is an upsert: repeating it with the same lead updates
//!   it, but may put it back in the dial queue; put the escalation reference in a lead field
//!   ([`LeadFields::reference`]) so the list can match it.
//! - **Idempotent:** reads, [`NextivaClient::change_priority`] (sets a value),
//!   [`NextivaClient::reset_lead`], and every registration method.
//! - **Who may transfer.** The `/users/api/…` paths act as the logged-in user. A 403 (or
//!   another 4xx) from a transfer is `Permanent`: fall back (callback, agent guidance).
//!
//! # UNCONFIRMED, and how both readings are handled
//! - **Raw token or `Bearer`** in `Authorization` (§5): Nextiva's own tool and a real Postman
//!   collection send the raw token, the OpenAPI says `Bearer`. [`AuthScheme::Auto`] (the
//!   default) sends the raw token; if a freshly issued token is rejected before any call
//!   succeeded with it, the next login switches to `Bearer` (and back), and the first
//!   success fixes the scheme. [`AuthScheme::Raw`] / [`AuthScheme::Bearer`] pin it.
//! - **Login host** (§5): `login.thrio.io` (Nextiva's tool, the default), `login.thrio.com`,
//!   `nextiva.thrio.io`, `sandbox.thrio.io`, or the documented `api.nextiva.com` (404 in a
//!   probe): [`NextivaConfig::login_base`], known hosts in [`LOGIN_HOSTS`].
//! - **Which host serves `token-refresh`** (§5): [`TokenRefresh::LoginHost`] (default; the
//!   OpenAPI puts both endpoints on one server), [`TokenRefresh::Location`], a
//!   [`TokenRefresh::Base`] URL, or [`TokenRefresh::Off`]. A refresh that fails falls back to
//!   a login; a 404/405 turns refreshing off for the client's life.
//! - **`location` as a full URL or a bare host** (§5): both accepted.
//! - **`inboxId` = queue `_id`** (§2): the queue id is passed as `inboxId`; a mismatch shows
//!   as a 4xx `Permanent`.
//! - **Whether the service user may transfer another agent's workitem** (§2): a refusal is
//!   `Permanent`, so the fallback chain takes over.
//! - **Warm/consult transfer** (§2): no endpoint, so none is offered; only blind transfers.
//! - **Reading another agent's workitem** through `/users/api/workitems/{id}`: if refused,
//!   [`NextivaClient::search_workitems`] reads the generic data API instead.
//! - **`workitemId` vs `_id`**: [`Workitem`] keeps both; workitem calls take `workitemId`.
//! - **Workitem states** beyond `active`, `hold`, `inqueue` (§1b): kept verbatim in
//!   [`WorkitemState::Other`].
//! - **Callbacks** (§3): no REST endpoint creates one. Two mechanisms are offered: the
//!   outbound-list lead upsert (lead field names are per list, so [`LeadFields`] names
//!   them; how a lead carries a callback time and in which format is unknown, so the time
//!   goes to an optional field as RFC 3339 or epoch ms; whether the list wants `+1…` or ten
//!   digits is unknown: [`PhoneFormat`]), and a webform into a dedicated callback campaign
//!   whose workflow runs `acdcallbackfromexpression` (the webform `type` for voice is
//!   unknown, so [`WebformRequest::kind`] is configuration; the customer's number goes in
//!   `from`, which Nextiva's callback template reads, and in `consumerData.callbackNumber`).
//!   Neither response shape is documented: ids are read from `_id`/`id`/`workitemId`/
//!   `leadId` where present, and the raw body is returned.
//! - **Duplicate REST API object names** (§6, second-hand 409): [`NextivaClient::register`]
//!   searches first, so both "409" and "duplicates allowed" readings end with one object;
//!   a 409 on create is answered by searching again.
//! - **`PATCH` on `restcall`**: the generic data API's update (§5), seen on other types.
//! - **Error bodies**: `{code, message}` or the provider's `{type, message, code}`; both are
//!   read, bounded to 300 characters, and scrubbed of the token and password.

mod auth;
mod callbacks;
mod registration;
mod restcalls;
mod workitem;

use bytes::Bytes;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::outbound::CallError;

use auth::Auth;
pub use auth::{AuthScheme, NextivaConfig, TokenRefresh, DEFAULT_LOGIN_BASE, LOGIN_HOSTS};
pub use callbacks::{
    CallbackLead, Lead, LeadFields, PhoneFormat, ScheduledFormat, UpsertResult, WebformRequest,
    WebformResult,
};
pub use registration::{
    registration_plan, DispositionHook, PlannedRequest, Registered, RegistrationSpec, RestCallRef,
};
pub use restcalls::OWN_PREFIX;
pub use workitem::{Workitem, WorkitemPage, WorkitemState};

/// What the recording does across a transfer (`WorkitemRecordingOption`, §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Recording {
    #[default]
    KeepCurrent,
    StartRecording,
    StopRecording,
}

/// Options of a queue transfer (`TransferToInboxPayload` minus the ids, which the method
/// takes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueTransfer {
    /// `eventName`: shows in NCC's reporting, e.g. `escalation-legal`.
    pub event_name: Option<String>,
    /// `ringAll`: ring every agent of the queue at once.
    pub ring_all: bool,
    pub recording: Recording,
}

/// Options of a transfer to an agent (`TransferToAgentPayload` minus the ids).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserTransfer {
    pub event_name: Option<String>,
    pub recording: Recording,
}

#[derive(Debug)]
pub struct NextivaClient {
    http: reqwest::Client,
    auth: Auth,
    budget: Option<crate::ratelimit::RequestBudget>,
}

impl NextivaClient {
    pub fn new(http: reqwest::Client, config: NextivaConfig) -> Self {
        Self {
            http,
            auth: Auth::new(config),
            budget: None,
        }
    }

    /// Paces every API request through `budget` (the platform's published limit).
    pub fn with_budget(mut self, budget: Option<crate::ratelimit::RequestBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// Reads one workitem: its `state`, agent and timestamps. The re-read before any
    /// transfer retry. `None` when NCC answers 404 (the workitem does not exist, or no
    /// longer does).
    pub async fn workitem(&self, workitem_id: &str) -> Result<Option<Workitem>, CallError> {
        let wid = path_id(workitem_id)?;
        match self
            .send(Method::GET, &format!("/users/api/workitems/{wid}"), None)
            .await
        {
            Ok(body) => Ok(Some(Workitem::from_value(parse_json(&body, "workitem")?))),
            Err(CallError::Permanent { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Searches workitems through the generic data API (`q` is NCC's free-text query).
    pub async fn search_workitems(
        &self,
        query: &str,
        start: u32,
        rows: u32,
    ) -> Result<WorkitemPage, CallError> {
        let path = format!(
            "/data/api/types/workitem?q={}&start={start}&rows={rows}",
            query_escape(query)
        );
        let body = self.send(Method::GET, &path, None).await?;
        Ok(WorkitemPage::from_value(&parse_json(
            &body,
            "workitem search",
        )?))
    }

    /// Blind transfer to a queue (inbox). **Not idempotent**: re-read before any retry.
    pub async fn queue_transfer(
        &self,
        workitem_id: &str,
        inbox_id: &str,
        options: &QueueTransfer,
    ) -> Result<(), CallError> {
        let (wid, iid) = (path_id(workitem_id)?, path_id(inbox_id)?);
        let mut body = serde_json::json!({
            "inboxId": iid,
            "workitemId": wid,
            "ringAll": options.ring_all,
            "recording": options.recording,
        });
        if let Some(name) = &options.event_name {
            body["eventName"] = Value::String(name.clone());
        }
        self.send(
            Method::POST,
            &format!("/users/api/calls/{wid}/queuetransfer/{iid}"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Blind transfer to an agent (NCC user `_id`). **Not idempotent**: re-read before any
    /// retry.
    pub async fn user_transfer(
        &self,
        workitem_id: &str,
        user_id: &str,
        options: &UserTransfer,
    ) -> Result<(), CallError> {
        let (wid, uid) = (path_id(workitem_id)?, path_id(user_id)?);
        // `survey: {}` as in the documented example: no survey data to pass on.
        let mut body = serde_json::json!({
            "userId": uid,
            "workitemId": wid,
            "recording": options.recording,
            "survey": {},
        });
        if let Some(name) = &options.event_name {
            body["eventName"] = Value::String(name.clone());
        }
        self.send(
            Method::POST,
            &format!("/users/api/calls/{wid}/usertransfer/{uid}"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Sets the workitem's ACD priority, 1 (lowest) to 5 (highest). Setting a value is
    /// harmless to repeat.
    pub async fn change_priority(&self, workitem_id: &str, priority: u8) -> Result<(), CallError> {
        let wid = path_id(workitem_id)?;
        if !(1..=5).contains(&priority) {
            return Err(CallError::Unactionable(format!(
                "NCC priority must be 1 to 5, not {priority}"
            )));
        }
        self.send(
            Method::POST,
            &format!("/workflows/api/workitems/{wid}/acd"),
            Some(&serde_json::json!({ "priority": priority })),
        )
        .await
        .map(drop)
    }

    /// One request with the cached token; a 401 drops the token so the next call logs in.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Bytes, CallError> {
        crate::ratelimit::acquire(self.budget.as_ref()).await;
        let session = self.auth.session(&self.http).await?;
        let mut request = self
            .http
            .request(method, format!("{}{path}", session.api_base))
            .header(reqwest::header::AUTHORIZATION, session.header.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status();
        if status.is_success() {
            self.auth.accepted(session.generation).await;
            return response
                .bytes()
                .await
                .map_err(|e| CallError::from_reqwest(&e));
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            // Expired or revoked early: log in again on the next attempt.
            self.auth.rejected(session.generation).await;
        }
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Err(CallError::from_status(
            status.as_u16(),
            &headers,
            self.auth.scrub(error_message(&text), &session.token),
        ))
    }
}

/// A 2xx body that must be JSON. It was applied, so a bad body is reported as `Transport`
/// (outcome unknown to us), never as something safe to repeat.
fn parse_json(body: &[u8], what: &str) -> Result<Value, CallError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body)
        .map_err(|_| CallError::Transport(format!("{what} response is not valid JSON")))
}

/// Ids from events and configuration go into URL paths; anything but an id-shaped string
/// is refused rather than allowed to change the path.
pub(crate) fn path_id(id: &str) -> Result<&str, CallError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && id != "."
        && id != "..";
    if ok {
        Ok(id)
    } else {
        Err(CallError::Unactionable(format!(
            "{:?} is not a valid NCC id",
            id.chars().take(64).collect::<String>()
        )))
    }
}

/// Percent-encodes a query value (spaces as `%20`, as Nextiva's own tool sends them).
fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The platform's own error text (`{code, message}`, or the provider's `{type, message,
/// code}`), bounded in length. Never our request body.
pub(crate) fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let text = match parsed {
        Some(v) => {
            let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            match (s("code").or(s("type")), s("message")) {
                (Some(code), Some(msg)) => format!("{code}: {msg}"),
                (None, Some(msg)) => msg.to_string(),
                (Some(code), None) => code.to_string(),
                _ => s("error").unwrap_or("").to_string(),
            }
        }
        None => String::new(),
    };
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_change_the_path_are_refused() {
        assert_eq!(
            path_id("66f1c0a2e4b0c13f5d2a9b77"),
            Ok("66f1c0a2e4b0c13f5d2a9b77")
        );
        for bad in ["", ".", "..", "a/b", "a?b", "a b", "a%2F", &"x".repeat(129)] {
            assert!(
                matches!(path_id(bad), Err(CallError::Unactionable(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            query_escape("Escalator - Route & co"),
            "Escalator%20-%20Route%20%26%20co"
        );
    }

    #[test]
    fn error_bodies_of_both_shapes_are_read_and_bounded() {
        assert_eq!(
            error_message(r#"{"code":"E1","message":"no such workitem"}"#),
            "E1: no such workitem"
        );
        assert_eq!(
            error_message(
                r#"{"type":"AUTHENTICATION_ERROR","message":"Invalid token","code":"AUTH_001"}"#
            ),
            "AUTH_001: Invalid token"
        );
        assert_eq!(error_message("<html>oops</html>"), "");
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(1000));
        assert_eq!(error_message(&long).len(), 300);
    }
}
