//! Talkdesk: Webhook Trigger deliveries and Studio routing questions in.
//!
//! Facts and sources: `shared/vendors/talkdesk.md`. The admin's side is [`template`].
//!
//! # Channels
//!
//! - **Events**: the Webhook Trigger API (`POST /webhooks/triggers/{trigger}`), one
//!   subscription per trigger, each a JSON template Talkdesk renders and POSTs to
//!   `{base}/webhooks/talkdesk/{secret}?trigger={trigger}`. All values arrive as strings.
//!   Optionally, HTTP Notifier "disposition code set" tasks POST a body of ours to the same
//!   kind of URL. See [`normalize`] for the mapping and the dedupe keys.
//! - **Routing decisions**: a Studio flow's "Execute Action" calls
//!   `POST {base}/route/talkdesk` through a Talkdesk Connection (JSON in, JSON out); see
//!   [`parse_route_request`] and [`route_response`].
//! - There is no transcript, sentiment or agent "raise hand" push on Talkdesk: this adapter
//!   never produces `utterance` or `sentiment` events (the routing hook's `utterance` becomes
//!   one in the service).
//!
//! # Authentication
//!
//! - Event deliveries: [`crate::auth::InboundAuth::UrlSecret`]. Talkdesk signs nothing, so
//!   the secret is the path segment after `/webhooks/talkdesk/` (our template's form), or a
//!   `secret` (or `token`) query parameter.
//! - Routing requests (`/route/talkdesk`):
//!   [`crate::auth::InboundAuth::SharedSecretHeader`] with header `X-API-Key`, the
//!   Connection's "API Key" authentication. (Connections also offer HTTP Basic, which
//!   [`crate::auth::InboundAuth::Basic`] would verify.)
//!
//! # Trigger → canonical event
//!
//! | Talkdesk | canonical |
//! |---|---|
//! | `inboundCallReachesContactCenter` | `call_started` (inbound, `line` = `talkdesk_phone_number`) |
//! | `inboundCallStarts` | `agent_connected`; plus `transfer_result` (succeeded) when `is_transfer` is true |
//! | `inboundCallEnds`, `outboundCallEnds` | `call_ended` (`reason` = `hangup`); plus `escalation_requested` when a `disposition` field names an escalation |
//! | inbound/outbound disposition code set (HTTP Notifier) | `escalation_requested` (`reason` = the disposition name verbatim) when the name asks for escalation or names a hard-stop topic, else `other` named `dispositionCodeSet` |
//! | `agentLogIn`, `agentLogOut`, `contactCreated`, `contactUpdated`, `noteCreated`, anything else | `other` (recorded, never acted on) |
//!
//! The call id is `interaction_id` (what Studio and the callback APIs know), else `call_id`;
//! `refs` carry `interaction_id`, `talkdesk_call_id`, `contact_id`, `account_id`, `agent_id`,
//! `interaction_context_id`, `ring_groups` (the call's `tags`) and `talkdesk_phone_number`
//! (E.164, the caller id for callbacks). The caller is `contact_phone_number` (the customer
//! on inbound and outbound calls alike) and `contact_name`, else first and last name.
//!
//! # UNCONFIRMED, and how both readings are accepted
//!
//! - Literal `event` values: the trigger is taken from our `trigger` URL parameter; without
//!   it, `event` is matched ignoring case, spaces and punctuation, so `inbound_call_ends`,
//!   `inboundCallEnds` and `Inbound call ends` are the same trigger.
//! - Time formats: ISO-8601 with or without offset (no offset = UTC, the Explore form
//!   `2022-06-30 16:42:24` included) and epoch seconds or milliseconds are all read;
//!   unparseable or zero times count as absent. Only `inboundCallEnds` carries a time in
//!   Talkdesk's template; we add `timestamp` to the others. Where none arrives, the event
//!   takes the time of receipt, which is never part of a dedupe key.
//! - Unknown placeholders: a value left as `{{...}}` (or Studio's `%{...}`) reads as absent,
//!   the same as an empty one; a required field in that state is reported as an unrendered
//!   placeholder.
//! - Whether `inboundCallStarts` means "agent answered" (assumed) or "call started": it is
//!   mapped to `agent_connected` because it carries the agent.
//! - Retries and delivery ids: none documented, so keys come from content (see
//!   [`normalize`]); two agent log-ins with identical content and no rendered `timestamp`
//!   would share a key, which costs only a duplicate record of an ignored event.
//! - HTTP Notifier variables: its disposition body is ours; the disposition may arrive as
//!   `disposition`, `disposition_code` or `disposition_name`.
//! - Studio variable names in the Execute Action mapping are given as likely names; the
//!   request also accepts `call_id` for `interaction_id`, `contact_phone_number` for
//!   `caller`, and `text` for `utterance`, as a JSON body or as query parameters.

mod client;
mod fields;
mod normalize;
mod route;
mod template;

pub use client::{
    briefing_fields, registration_requests, AssignType, Assignment, CallbackChange, CallbackPage,
    CallbackQuery, CallbackStatus, ContextDataType, ContextField, CustomFields, CustomFieldsAck,
    DirectCallback, PatchPaths, PlannedRequest, Region, RegisteredTrigger, ScheduleReading,
    ScheduledCallback, ScheduledCallbackRequest, TalkdeskClient, TalkdeskConfig,
    TalkdeskCredentials, DEFAULT_SCOPES, TOKEN_PLACEHOLDER,
};
pub use normalize::normalize;
pub use route::{parse_route_request, route_response};
pub use template::{subscriptions, template, Subscription};
