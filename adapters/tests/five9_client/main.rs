//! Contract tests for the Five9 client: every call at its real path, method, headers and
//! body shape (shared/vendors/five9.md §2–§7), the Agent REST session (login, data-center
//! host from the metadata, re-login on 401 and 435), SOAP envelopes and faults.

#[path = "../common/mod.rs"]
mod common;

mod kit;

mod admin;
mod agent_calls;
mod dialing_list;
mod errors;
mod session;
