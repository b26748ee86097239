//! Contract tests for the Nextiva Contact Center client: every call at its real path,
//! method, headers and body shape (shared/vendors/nextiva.md §2, §3, §5, §7), login against
//! a login host and calls against the `location` it returns, refresh, re-login on 401, and
//! the classification of rate limits, 5xx bursts and permanent errors.

#[path = "../common/mod.rs"]
mod common;

mod kit;

mod callbacks;
mod calls;
mod errors;
mod registration;
mod session;
