//! Contract tests for the Talkdesk client: every call at its real path, method, headers and
//! body shape (shared/vendors/talkdesk.md §3–§7), OAuth client credentials with caching,
//! refresh and re-login after a 401, rate limits, 5xx bursts and permanent errors.

#[path = "../common/mod.rs"]
mod common;

mod kit;

mod auth;
mod callback_changes;
mod custom_fields;
mod direct_callback;
mod errors;
mod scheduled_callbacks;
mod triggers;
