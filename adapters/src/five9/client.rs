//! Five9 API client: the Agent REST session and call control, and the Configuration Web
//! Services (SOAP) calls Escalator needs. Facts and sources: `shared/vendors/five9.md`
//! §2–§7. Each method makes exactly one request (plus a login when needed) and
//! classifies the outcome as [`CallError`]; retrying and throttling are the dispatcher's
//! job, so every attempt is recorded durably.
//!
//! # Calls
//! Agent REST, under `https://{data-center host}:{port}/appsvcs/rs/svc` (§2, §4, §5),
//! acting as the agent who holds the call (`agent` = their Five9 user name):
//! - `POST {login}/appsvcs/rs/svc/auth/login` `{passwordCredentials, appKey, policy:
//!   "AttachExisting"}` → `tokenId`, `userId` (the `{agentId}`), `context.farmId`,
//!   `metadata.dataCenters[].apiUrls[]` (§5). Cached per agent.
//! - `GET /agents/{agentId}/interactions/calls` → [`CallSummary`] list ([`Five9Client::calls`]).
//! - `GET /agents/{agentId}/interactions/calls/{callId}` → the call's JSON ([`Five9Client::call`]).
//! - `PUT …/interactions/calls/{callId}/transfer_to_skill` `{"skillId", "transferType"}`
//!   ([`Five9Client::transfer_to_skill`], §2).
//! - `PUT …/interactions/calls/{callId}/complete_transfer`, `PUT …/cancel_transfer` (§2).
//! - `PUT …/interactions/calls/{callId}/variables_2` `{"Group.Name": "value"}`
//!   ([`Five9Client::set_call_variables`], [`Five9Client::write_briefing`], §4).
//!
//! Configuration Web Services, `POST {admin}/wsadmin/v13/AdminWebService`, HTTP Basic
//! (admin user), `SOAPAction: ""`, `Content-Type: text/xml;charset=UTF-8`, namespace
//! `http://service.admin.ws.five9.com/` (§5):
//! - `addRecordToList {listName, listUpdateSettings{… callTime}, record}` →
//!   [`ListImportResult`] (§3a).
//! - `createWebConnector` / `modifyWebConnector {connector}`, `deleteWebConnector {name}`,
//!   `getWebConnectors {namePattern}` → [`WebConnectorSummary`] (§7).
//! - `getCallCountersState` → [`CallCounterWindow`] (§6).
//!
//! # Auth
//! Agent REST: `Authorization: Bearer-<tokenId>` (hyphen, not a space) and `farmId`
//! headers, plus the login's cookies. Five9 states no session lifetime, so a session is
//! renewed after `session_max_age`; a 401 drops it (next call logs in again) except
//! within `login_grace` of the login, when it is the documented propagation delay and the
//! session is kept (retry in 2 s); 435 ("service migrated") drops it too and is
//! retryable. A rejected login (400/401/403) is permanent. SOAP: HTTP Basic on every
//! request; 401/403 are permanent.
//!
//! # Errors and limits
//! REST errors carry `five9ExceptionDetail {errorCode, message, context.contextCode}`,
//! reported as `contextCode errorCode: message`. SOAP faults: client faults are
//! permanent; server faults are retried only for the types Five9's fault table calls
//! transient (`ServerFault`, `ServiceUnavailableFault`, `SessionClosedFault`,
//! `AdminSessionClosedFault`, `InternalImportFault`, `ConcurrentModificationFault`,
//! `OperationsLimitExceededFault`, and `AddRecordToListFault` texts asking for a re-send);
//! a server fault with no named detail is a generic server error and is retried. The
//! fault type leads the message (`ObjectNotFoundFault: …`, see [`soap_fault_name`]).
//! Config WS limits (§6) are exposed as [`ADMIN_LIMITS`] and on each [`SoapRequest`]
//! (`class`); an `OperationsLimitExceededFault` gets a `retry_after` up to the window's
//! reset. One admin user must not run concurrent requests
//! ([`ADMIN_CONCURRENCY_PER_USER`]). `Retry-After` is honoured on both APIs.
//!
//! # UNCONFIRMED, and how each reading is handled
//! - **Transfer body**: only `skillId` is sent for sure; warm vs blind goes in a
//!   configurable field ([`TransferModeField`], default `"transferType": "WARM"|"COLD"`),
//!   which can be renamed or dropped without a code change.
//! - **`callId`**: whether the connector's `@Call.call_id@` is the Agent REST `callId` is
//!   not settled; [`resolve_call_id`] takes an exact match in [`Five9Client::calls`], else
//!   the agent's only call, else nothing.
//! - **`@Agent.id@` vs the REST agent id**: the path always uses the login's `userId`;
//!   the agent is chosen by user name.
//! - **Session header vs cookies**: both are sent.
//! - **Metadata**: read from the login response; if absent, `GET /auth/metadata`.
//! - **Login hosts** outside the US are from one sample pack and look inconsistent
//!   ([`Five9Region`]); India has none. All bases are overridable, and the data-center
//!   host always comes from the login.
//! - **Agent REST rate limits**: not published; only `Retry-After` is read.
//! - **Call-variable length and boolean format**: the briefing line is cut at
//!   [`BRIEFING_MAX_CHARS`]; `CallerVerified` is written `true`/`false`.
//! - **Limit windows**: the fault names the limit but not its window; the window is found
//!   by matching the limit against the table, and resets are computed in UTC with the
//!   earliest possible boundary (see `soap::limit_wait`).

mod admin;
mod agent;
mod registration;
mod session;
mod soap;

use std::fmt;
use std::time::Duration;

use crate::outbound::CallError;
use crate::Secret;

pub use admin::{
    add_record_to_list_request, call_counters_state_request, create_web_connector_request,
    delete_web_connector_request, exact_name_pattern, five9_dial_number,
    get_web_connectors_request, modify_web_connector_request, soap_fault_name, AdminOperationClass,
    CallCounter, CallCounterWindow, CallbackRecord, ListImportResult, OperationLimits,
    WebConnectorSummary, ADMIN_CONCURRENCY_PER_USER, ADMIN_LIMITS, ADMIN_SERVICE_PATH,
};
pub use agent::{
    briefing_line, briefing_variables, resolve_call_id, CallSummary, TransferMode,
    TransferModeField, AGENT_REST_PREFIX, BRIEFING_MAX_CHARS, STATUS_MIGRATED,
};
pub use registration::{escalator_connectors, registration_requests, WebConnector};

/// Five9 regions (§5): the Configuration Web Services host and the Agent REST login host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Five9Region {
    Us,
    Ca,
    /// London.
    Uk,
    /// Frankfurt.
    Eu,
    In,
}

impl Five9Region {
    pub const ALL: [Five9Region; 5] = [
        Five9Region::Us,
        Five9Region::Ca,
        Five9Region::Uk,
        Five9Region::Eu,
        Five9Region::In,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Five9Region::Us => "us",
            Five9Region::Ca => "ca",
            Five9Region::Uk => "uk",
            Five9Region::Eu => "eu",
            Five9Region::In => "in",
        }
    }

    /// `us`, `ca`, `uk` (or `ldn`), `eu` (or `frk`), `in`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "us" => Some(Five9Region::Us),
            "ca" => Some(Five9Region::Ca),
            "uk" | "ldn" => Some(Five9Region::Uk),
            "eu" | "frk" => Some(Five9Region::Eu),
            "in" => Some(Five9Region::In),
            _ => None,
        }
    }

    /// Configuration Web Services host (scraped Five9 docs; India from the developer
    /// program's sample).
    pub fn admin_base(self) -> &'static str {
        match self {
            Five9Region::Us => "https://api.five9.com",
            Five9Region::Ca => "https://api.five9.ca",
            Five9Region::Uk => "https://api.five9.eu",
            Five9Region::Eu => "https://api.eu.five9.com",
            Five9Region::In => "https://api.in.five9.com",
        }
    }

    /// Agent REST login host. The US host is used by every public client; the others are
    /// from one sample pack's table (UNCONFIRMED; override when they fail); India has none.
    pub fn agent_login_base(self) -> Option<&'static str> {
        match self {
            Five9Region::Us => Some("https://app.five9.com"),
            Five9Region::Ca => Some("https://app.ca.five9.com"),
            Five9Region::Uk => Some("https://app.ca.five9.eu"),
            Five9Region::Eu => Some("https://app.eu.five9.eu"),
            Five9Region::In => None,
        }
    }
}

/// A Five9 user name and password.
#[derive(Debug, Clone)]
pub struct Five9Credentials {
    pub username: String,
    pub password: Secret,
}

/// Everything the client needs; every base URL is overridable.
#[derive(Debug, Clone)]
pub struct Five9Config {
    /// Configuration Web Services host, e.g. `https://api.five9.com` (the service path
    /// [`ADMIN_SERVICE_PATH`] is appended).
    pub admin_base: String,
    /// Agent REST login host, e.g. `https://app.five9.com`; empty = none for the region.
    pub agent_login_base: String,
    /// Forces the data-center base (`https://host:port`) instead of the login metadata's.
    pub agent_api_base: Option<String>,
    /// Scheme for the data-center host from the metadata (`https`; tests use `http`).
    pub data_center_scheme: String,
    /// `appKey` of the login: names Escalator's session beside the agent's desktop.
    pub app_key: String,
    /// VCC administrator for the SOAP calls (needs `EditConnectors` for registration).
    pub admin: Option<Five9Credentials>,
    /// Agents Escalator may act as; the Agent REST API only acts for the agent on the call.
    pub agents: Vec<Five9Credentials>,
    /// Renew a session after this long (Five9 states no lifetime).
    pub session_max_age: Duration,
    /// A 401 this soon after login is the propagation delay, not a dead session.
    pub login_grace: Duration,
    /// Call-variable group of the briefing (the setup template's `Escalator`).
    pub cav_group: String,
    /// How warm vs blind is written in the transfer body; `None` omits it.
    pub transfer_mode_field: Option<TransferModeField>,
}

impl Five9Config {
    /// Defaults for a region, with no credentials.
    pub fn for_region(region: Five9Region) -> Self {
        Self {
            admin_base: region.admin_base().to_string(),
            agent_login_base: region.agent_login_base().unwrap_or("").to_string(),
            agent_api_base: None,
            data_center_scheme: "https".into(),
            app_key: "escalator".into(),
            admin: None,
            agents: Vec::new(),
            session_max_age: Duration::from_secs(20 * 60),
            login_grace: Duration::from_secs(5),
            cav_group: "Escalator".into(),
            transfer_mode_field: Some(TransferModeField::default()),
        }
    }
}

/// The Five9 client. Cheap to share (`Arc`); sessions are cached per agent.
#[derive(Debug)]
pub struct Five9Client {
    http: reqwest::Client,
    config: Five9Config,
    sessions: session::SessionSlots,
    budget: Option<crate::ratelimit::RequestBudget>,
}

impl Five9Client {
    pub fn new(http: reqwest::Client, mut config: Five9Config) -> Self {
        let trim = |s: &str| s.trim().trim_end_matches('/').to_string();
        config.admin_base = trim(&config.admin_base);
        config.agent_login_base = trim(&config.agent_login_base);
        config.agent_api_base = config
            .agent_api_base
            .as_deref()
            .map(trim)
            .filter(|s| !s.is_empty());
        Self {
            http,
            config,
            sessions: Default::default(),
            budget: None,
        }
    }

    /// Paces every API request through `budget` (the platform's published limit).
    pub fn with_budget(mut self, budget: Option<crate::ratelimit::RequestBudget>) -> Self {
        self.budget = budget;
        self
    }

    pub fn config(&self) -> &Five9Config {
        &self.config
    }

    /// The registration requests for this client's admin host, unsent (`--dry-run`).
    pub fn registration_requests(&self, url: &str, secret: &str) -> Vec<SoapRequest> {
        registration_requests(&self.config.admin_base, url, secret)
    }
}

/// One Configuration Web Services request, built without sending it. The body can carry
/// the connector secret, so `Debug` and [`SoapRequest::dry_run`] show a masked copy.
#[derive(Clone, PartialEq, Eq)]
pub struct SoapRequest {
    /// The SOAP operation (`addRecordToList`…).
    pub operation: &'static str,
    /// Which Five9 limit it counts against.
    pub class: AdminOperationClass,
    pub url: String,
    body: String,
    masked_body: String,
}

impl SoapRequest {
    fn new(
        admin_base: &str,
        operation: &'static str,
        class: AdminOperationClass,
        inner: &str,
        masked_inner: Option<&str>,
    ) -> Self {
        let body = soap::envelope(operation, inner);
        let masked_body =
            masked_inner.map_or_else(|| body.clone(), |m| soap::envelope(operation, m));
        Self {
            operation,
            class,
            url: format!(
                "{}{ADMIN_SERVICE_PATH}",
                admin_base.trim().trim_end_matches('/')
            ),
            body,
            masked_body,
        }
    }

    /// The exact body sent (may contain the connector secret).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The request as text, secret and credentials masked.
    pub fn dry_run(&self) -> String {
        format!(
            "POST {}\nContent-Type: text/xml;charset=UTF-8\nSOAPAction: \"\"\nAuthorization: Basic ***\n\n{}\n",
            self.url, self.masked_body
        )
    }
}

impl fmt::Debug for SoapRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoapRequest")
            .field("operation", &self.operation)
            .field("class", &self.class)
            .field("url", &self.url)
            .field("body", &self.masked_body)
            .finish()
    }
}

/// Ids from events go into URL paths; anything but an id-shaped string is refused rather
/// than allowed to change the path.
fn path_id(id: &str) -> Result<&str, CallError> {
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
            "{id:?} is not a valid Five9 id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_round_trip_and_have_hosts() {
        for r in Five9Region::ALL {
            assert_eq!(Five9Region::from_name(r.as_str()), Some(r));
            assert!(r.admin_base().starts_with("https://api."));
        }
        assert_eq!(Five9Region::from_name("FRK"), Some(Five9Region::Eu));
        assert_eq!(
            Five9Config::for_region(Five9Region::In).agent_login_base,
            ""
        );
    }

    #[test]
    fn ids_are_checked() {
        assert!(path_id("300000000000123").is_ok());
        for bad in ["", "..", "a/b", "a?b", "a b"] {
            assert!(path_id(bad).is_err(), "{bad}");
        }
    }
}
