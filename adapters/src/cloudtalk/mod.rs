//! CloudTalk: Workflow Automation "API Request" deliveries in, Call Flow Designer routing hook.
//!
//! Facts and sources: `shared/vendors/cloudtalk.md`. CloudTalk has no webhook subscription
//! API and sends no event type, time or signature of its own; every body is the one our
//! [`template`] tells the admin to type in.
//!
//! # Channels
//! - **Events** (async): one Workflow Automation per Call trigger (Started, Ringing on
//!   Agent, Answered, Modified, Raised Hand, Ended), each with an "API Request" action
//!   `POST`ing JSON to `/webhooks/cloudtalk` ([`normalize`]); the constant `event` names the
//!   trigger (also accepted as `?event=` on the endpoint URL). Recording → Uploaded,
//!   Transcription → Created and the Message, Contact and User triggers are accepted too.
//! - **Routing** (sync): a Call Flow Designer "HTTP Request" step to `/route/cloudtalk`
//!   ([`parse_route_request`], [`route_response`]).
//! - **Actions**: none here. CloudTalk has no transfer or callback API (vendor doc §2–3).
//!
//! # Authentication
//! Deliveries carry no signature. Either variant of [`crate::auth::InboundAuth`] applies,
//! and the template sets up both so either can be configured:
//! - `InboundAuth::SharedSecretHeader { header: "X-Escalator-Token", .. }`: a static header
//!   of the API Request action / HTTP Request step;
//! - `InboundAuth::FieldSecret { field: "escalator_secret", .. }`: a constant body value.
//!
//! The secret is never copied into an event and never enters a dedupe key.
//!
//! # The body
//! Keys are matched ignoring case and punctuation, and each accepts a few aliases for what an
//! admin may have typed (LiveHelperChat's `action` for `event`; `uuid`; `caller_number`…; the list is
//! in `fields.rs`). JSON numbers, strings and nulls are all accepted. A value of `null`,
//! `undefined` or `[object Object]` (what CloudTalk sends for an object attribute in a String
//! value, seen for `transcript`) is treated as absent. Numbers are international digits,
//! often a JSON number without `+` (`421900123456` → `+421900123456`). The dedupe keys are
//! in `normalize.rs`; `call_id` is `call_uuid` (the live call, what Cue Cards act on), else
//! the numeric CDR `call_id`; both go to `refs`, with `contact_id`, `agent_id` and
//! `group_id`.
//!
//! # UNCONFIRMED, and how both readings are accepted
//! - **Trigger attribute names** (only a picture in CloudTalk's help): every key has
//!   aliases and is matched loosely; only `event` and a call id are required.
//! - **Modified and Raised Hand payloads**: assumed to carry the usual call attributes.
//!   Tags may come as a JSON list of names or of `{id, name|label}` objects, one object, or
//!   text (`legal,VIP`); all are read. A tag whose name holds an escalation word (legal,
//!   fraud, self-harm, supervisor, `escalat…` — list in `normalize.rs`) becomes
//!   `EscalationRequested` with the tag verbatim; other tags are recorded only. Notes are
//!   not read as triggers.
//! - **Event time**: none is documented. A `timestamp` the admin adds (epoch s or ms,
//!   RFC 3339, `YYYY-MM-DD HH:MM:SS` UTC) is used and separates repeated firings; without
//!   it the time of receipt is used and never enters a key.
//! - **Transcripts**: the observed value is `[object Object]` (absent). Should real text
//!   arrive it becomes an `Utterance` of unknown speaker; the AI API's
//!   `{segments, callers}` shape becomes one utterance per segment with its speaker.
//! - **The routing step's call id**: `{{call.uuid}}` is null before an agent answers, so
//!   without it the call is named `cfd:<caller E.164>:<UTC day>`. How CloudTalk maps the
//!   response to branches, and its timeout, are unknown: the answer is flat, with
//!   `escalate` as a boolean and `action` as a word, and no nulls.
//! - **Retries**: unknown; every key is built from the content, so a redelivery dedupes.

mod client;
mod fields;
mod normalize;
mod route;
mod template;

pub use client::{
    retry_after, Activity, ActivityRecord, ActivityType, Agent, AgentPage, AgentStatus, BlockKind,
    CallDetails, CallbackCommitment, CloudTalkClient, CloudTalkConfig, CloudTalkCredentials,
    Contact, CueCard, CueCardBlock, CueCardContent, NewContact, Note, RateLimit, Tag,
    CALL_NOT_VISIBLE_WAIT, DEFAULT_ANALYTICS_BASE, DEFAULT_API_BASE, DEFAULT_PLATFORM_BASE,
};
pub use normalize::normalize;
pub use route::{parse_route_request, route_response};
pub use template::{template, AUTH_HEADER};

/// The body field holding the secret for `InboundAuth::FieldSecret`.
pub const SECRET_FIELD: &str = fields::SECRET;
