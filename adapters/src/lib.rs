//! Escalator's vendor boundary.
//!
//! The canonical call-event and action model, plus one module per contact-center platform
//! (verify, normalize, routing-hook contract, API client). Nothing here knows about the
//! playbook or about storage, so each adapter can be tested and fuzzed alone.

pub mod auth;
pub mod briefing_text;
pub mod capabilities;
pub mod cloudtalk;
mod delivery;
pub mod five9;
#[doc(hidden)]
pub mod fuzzing;
pub mod genesys;
pub mod model;
pub mod nextiva;
pub mod outbound;
pub mod phone;
pub mod ratelimit;
mod secret;
pub mod standard;
pub mod talkdesk;
mod time;

pub use capabilities::Capabilities;
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

/// One delivery from `vendor` → canonical events.
pub fn normalize(
    vendor: Vendor,
    delivery: &Delivery<'_>,
) -> Result<Vec<CallEvent>, NormalizeError> {
    match vendor {
        Vendor::Genesys => genesys::normalize(delivery.body),
        Vendor::Five9 => five9::normalize(delivery),
        Vendor::Nextiva => nextiva::normalize(delivery),
        Vendor::Cloudtalk => cloudtalk::normalize(delivery),
        Vendor::Standard => {
            // Verified before this, so the id is the one that was signed.
            let id = delivery
                .headers
                .get("webhook-id")
                .or_else(|| delivery.headers.get("svix-id"))
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| NormalizeError::missing("webhook-id"))?;
            standard::normalize(id, delivery.body)
        }
        Vendor::Talkdesk => talkdesk::normalize(delivery),
    }
}

/// A synchronous routing request from `vendor`'s flow.
pub fn parse_route_request(
    vendor: Vendor,
    delivery: &Delivery<'_>,
) -> Result<RouteRequest, NormalizeError> {
    match vendor {
        Vendor::Genesys => genesys::parse_route_request(delivery.body),
        Vendor::Five9 => five9::parse_route_request(delivery),
        Vendor::Nextiva => nextiva::parse_route_request(delivery),
        Vendor::Cloudtalk => cloudtalk::parse_route_request(delivery),
        Vendor::Talkdesk => talkdesk::parse_route_request(delivery),
        Vendor::Standard => Err(NormalizeError::new(
            "vendor",
            format!("{vendor} has no routing hook"),
        )),
    }
}

/// The routing answer in the shape `vendor`'s flow reads.
pub fn route_response(vendor: Vendor, answer: &RouteAnswer) -> serde_json::Value {
    match vendor {
        Vendor::Genesys => genesys::route_response(answer),
        Vendor::Five9 => five9::route_response(answer),
        Vendor::Nextiva => nextiva::route_response(answer),
        Vendor::Cloudtalk => cloudtalk::route_response(answer),
        Vendor::Talkdesk => talkdesk::route_response(answer),
        Vendor::Standard => serde_json::to_value(answer).unwrap_or_default(),
    }
}

/// What `vendor`'s admin pastes into the platform.
pub fn template(vendor: Vendor, url: &str, secret: &str) -> Option<String> {
    Some(match vendor {
        Vendor::Genesys => genesys::template(url, secret),
        Vendor::Five9 => five9::template(url, secret),
        Vendor::Nextiva => nextiva::template(url, secret),
        Vendor::Cloudtalk => cloudtalk::template(url, secret),
        Vendor::Standard => standard::template(url, secret),
        Vendor::Talkdesk => talkdesk::template(url, secret),
    })
}
