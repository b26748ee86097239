//! Five9: Web Connector deliveries and IVR routing requests in.
//!
//! Facts and sources: `shared/vendors/five9.md` §1a–1d. What the admin pastes is
//! [`template`]; the parameter names it defines are in [`keys`].
//!
//! # Channels
//! - **Events**: Web Connectors (`webConnector`), one per trigger: `OnCallAccepted`,
//!   `OnCallDisconnected`, `OnCallDispositioned` (on the escalation dispositions),
//!   `OnWarmTransferInitiation`, `ManuallyStarted`. Five9 sends only the parameters the
//!   connector names: constants (our secret, and `escalator_trigger`, the trigger's name,
//!   which Five9 does not send by itself) and call variables written `@Group.Var@`. Mapping
//!   to canonical events: see `normalize.rs`.
//! - **Routing**: an IVR script's web-service request module, answered synchronously with
//!   a flat JSON object ([`parse_route_request`], [`route_response`]).
//! - Not used for intake: the agent/supervisor websockets (§1c, a stream we would have to
//!   dial as a logged-in user) and VoiceStream audio (§1d). Five9 sends no transcript text
//!   and no sentiment, so this adapter produces no `utterance` from connectors; the IVR
//!   request's `text` becomes one in the service.
//!
//! # Authentication
//! Five9 signs nothing and has no auth header for connectors. Deliveries and routing
//! requests are authenticated by [`crate::auth::InboundAuth::FieldSecret`] with field
//! [`SECRET_FIELD`] (`escalator_secret`), a constant parameter of every connector and of the
//! IVR request; it may arrive in the form body, the query string or a JSON body. It never
//! feeds a dedupe key.
//!
//! # UNCONFIRMED, and how each reading is accepted
//! - **Encoding and method**: form fields (POST body) are documented by a production
//!   receiver, but the Content-Type is not; query fields (GET, or POST parameters Five9
//!   puts in the URL) and a flat JSON body are read the same way, merged (body wins).
//! - **Placeholder groups**: the docs write `@Call.ANI@`; groups are case-insensitive in
//!   practice; contact fields are written `@Customer.first_name@` here (the group name is
//!   UNCONFIRMED). Any value still shaped `@…@` is absent, and parameter names are matched
//!   exactly first, then case-insensitively, so `ani` works for `ANI`.
//! - **Timestamps**: `YYYYMMDDHHMMSSmmm` UTC per the receiver; also accepted:
//!   `YYYYMMDDHHMMSS`, epoch seconds or milliseconds, RFC 3339, and ISO-8601 without an
//!   offset (read as UTC). Five9 sends no time for the trigger itself, so `occurred_at` is
//!   the call's end (else start) time; wall-clock time only if neither is usable.
//! - **Numbers**: Five9 stores North American numbers as 10 digits; those get `+1`,
//!   `011…` gets `+`, anything else (with `+`, or 11+ digits) goes through
//!   [`crate::phone::to_e164`] unchanged in meaning.
//! - **Direction**: the `Call.type_name` values are not listed anywhere; words are matched
//!   (`inbound` → inbound; `outbound`, `autodial`, `preview`, `manual`, `agent` →
//!   outbound). Outbound: the customer is `DNIS`, our line `ANI`; inbound or unknown: the
//!   reverse.
//! - **Durations** (`length`, `handle_time`): whole or decimal seconds, or `H:MM:SS`.
//! - **Retries and origin**: whether Five9 retries, and whether the agent desktop sends
//!   the request, are unknown. Keys are built from content only and are identical for the
//!   form and JSON forms of one delivery; a manual request's key includes `length` and
//!   `handle_time` so two clicks differ, which also means a retry that re-evaluates those
//!   variables would count as a new click (the playbook ignores a repeated agent request
//!   while one escalation is open).
//! - **`OnCallDisconnected` on a transfer**: it may fire for the agent who hands the call
//!   on; keys include the agent, so the final end is never taken for a duplicate.
//! - **Ids**: whether `@Agent.id@` is the Agent REST `agentId` and `@Call.call_id@` the
//!   Agent REST `callId` is unknown; `refs` carry `agent_id`, `agent_user_name` and
//!   `session_id` so either lookup stays possible.
//! - **IVR module**: its name ("Query"), encodings and response parsing are from memory;
//!   the request is read in any of the three encodings, and the answer is flat with
//!   `escalate` as 1/0 and empty strings for "none".

mod client;
mod fields;
mod normalize;
mod route;
mod template;

pub use client::{
    add_record_to_list_request, briefing_line, briefing_variables, call_counters_state_request,
    create_web_connector_request, delete_web_connector_request, escalator_connectors,
    exact_name_pattern, five9_dial_number, get_web_connectors_request,
    modify_web_connector_request, registration_requests, resolve_call_id, soap_fault_name,
    AdminOperationClass, CallCounter, CallCounterWindow, CallSummary, CallbackRecord, Five9Client,
    Five9Config, Five9Credentials, Five9Region, ListImportResult, OperationLimits, SoapRequest,
    TransferMode, TransferModeField, WebConnector, WebConnectorSummary, ADMIN_CONCURRENCY_PER_USER,
    ADMIN_LIMITS, ADMIN_SERVICE_PATH, AGENT_REST_PREFIX, BRIEFING_MAX_CHARS, STATUS_MIGRATED,
};
pub use normalize::{is_escalation_name, normalize, ESCALATION_WORDS};
pub use route::{parse_route_request, route_response};
pub use template::{keys, template};

/// The connector / IVR parameter holding the shared secret (`InboundAuth::FieldSecret`).
pub const SECRET_FIELD: &str = keys::SECRET;
