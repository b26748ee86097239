//! Contract tests for the CloudTalk client: every call at its real host, path, method,
//! headers and body shape (shared/vendors/cloudtalk.md §2–§6), Basic auth on all three hosts,
//! the company rate limit, 5xx bursts and permanent errors.

#[path = "../common/mod.rs"]
mod common;

mod kit;

mod auth;
mod calls;
mod contacts;
mod cue_cards;
mod errors;
