//! Escalator's vendor boundary.
//!
//! The canonical call-event and action model, plus one module per contact-center platform
//! (verify, normalize, routing-hook contract, API client). Nothing here knows about the
//! playbook or about storage, so each adapter can be tested and fuzzed alone.

pub mod auth;
pub mod cloudtalk;
mod delivery;
pub mod five9;
pub mod genesys;
pub mod model;
pub mod nextiva;
pub mod outbound;
pub mod phone;
mod secret;
pub mod standard;
pub mod talkdesk;
mod time;

pub use delivery::{scalar_text, Delivery};
pub use model::*;
pub use secret::Secret;

/// A body that could not be turned into canonical events; names the offending field so the
/// platform admin can fix their template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct NormalizeError {
    pub field: String,
    pub message: String,
}

impl NormalizeError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn missing(field: impl Into<String>) -> Self {
        Self::new(field, "is required")
    }
}
