//! Nextiva Contact Center (NCC, formerly Thrio): workflow and disposition REST calls in.
//!
//! Facts and sources: `shared/vendors/nextiva.md`. NCC has no webhook subscription API; an
//! admin creates "REST API" objects whose body templates NCC fills from workitem fields
//! (`${workitem.workitemId}`, `$V.workitem.from`). [`template`] prints ours.
//!
//! # Channels
//! - **Events** (`POST /webhooks/nextiva`): Execute REST Call steps in campaign workflows
//!   (call started, queued, caller verified, chat/SMS message, agent connected) and REST
//!   calls attached to dispositions (call ended with the disposition name and the flattened
//!   transcript). [`normalize`] accepts a JSON body, a form body or a GET query string.
//! - **Routing** (`POST /route/nextiva`): an Execute REST Call with a `responseVariable`;
//!   the workflow reads our flat answer as `workitem.data.escalationResponse.body.queueId`
//!   and enters that queue with `enterqueuefromexpression` ([`parse_route_request`],
//!   [`route_response`]).
//!
//! # Authentication
//! NCC does not sign requests. Deliveries are authenticated by
//! [`crate::auth::InboundAuth::SharedSecretHeader`] with header **`X-Escalator-Token`**, a
//! static `headerParameters` entry on every REST API object (what the template shows), or
//! by [`crate::auth::InboundAuth::Basic`] when the objects use `authType` `BASIC_AUTH`.
//!
//! # Mapping (`event` in our templates; case and `-`/space are ignored)
//! | `event` | canonical |
//! |---|---|
//! | `call_started` | `CallStarted` (direction from `type`, line = our number) |
//! | `queued` | `Queued` (`queueId`) |
//! | `agent_connected` | `AgentConnected` (`agentId`, else `agentUsername`) |
//! | `caller_verified` | `CallerVerified` (`verified`, default true) |
//! | `escalation_requested` | `EscalationRequested` (`reason`) |
//! | `disposition` | `EscalationRequested { reason: name verbatim }` when the name signals escalation (or `escalate` = true), else `Other` |
//! | `call_ended` | the same escalation, if any, then `CallEnded { reason: disposition }` |
//! | `message` | `Utterance` (customer, final) from `text` |
//! | `transcript` | one `Utterance` per turn of `transcript` |
//! | anything else | `Other { name }` |
//!
//! Any event that carries `transcript` also yields its utterances, before its own event.
//!
//! # UNCONFIRMED, and how both readings are accepted
//! - How NCC renders a variable it cannot resolve: left as text, blank, `undefined` or
//!   `null`. All mean absent, including inside a longer value; `{{…}}` markers the admin
//!   forgot to replace too.
//! - Whether NCC JSON-escapes substituted values: raw newlines inside strings are repaired
//!   before parsing; the template's transcript expression strips quotes and newlines.
//! - Whether NCC renders an array variable as JSON: `transcript` is read as the
//!   `[{type, textMsg}]` array or as `CLIENT: … USER: …` text, with or without newlines.
//! - When a disposition's REST call fires: at wrap-up (the template's `call_ended`, which
//!   ends the call) or when chosen during the call (`event` = `disposition`, which does not).
//! - No variable names the chosen disposition: one REST API object per disposition carries
//!   the name as a literal.
//! - No workflow hook for the agent-answered moment: `agent_connected` is accepted if an
//!   admin finds one.
//! - Whether `workitem.modifiedAt`/`createdAt` are visible to templates, and in which form:
//!   epoch ms, RFC 3339 or JavaScript `Date` text are read; without them the event is
//!   stamped on arrival. The dedupe key never depends on arrival time.
//! - Who the customer is on outbound workitems: `to`, as on other platforms.
//! - NCC's priority scale is 1–5 (5 highest); Escalator's 0/5/10 maps to 1/3/5, and the raw
//!   value is returned as `escalatorPriority`.

mod client;
mod normalize;
mod route;
mod template;
mod transcript;
mod wire;

pub use client::{
    registration_plan, AuthScheme, CallbackLead, DispositionHook, Lead, LeadFields, NextivaClient,
    NextivaConfig, PhoneFormat, PlannedRequest, QueueTransfer, Recording, Registered,
    RegistrationSpec, RestCallRef, ScheduledFormat, TokenRefresh, UpsertResult, UserTransfer,
    WebformRequest, WebformResult, Workitem, WorkitemPage, WorkitemState, DEFAULT_LOGIN_BASE,
    LOGIN_HOSTS, OWN_PREFIX,
};
pub use normalize::normalize;
pub use route::{parse_route_request, route_response};
pub use template::template;
