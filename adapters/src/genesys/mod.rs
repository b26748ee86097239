//! Genesys Cloud: EventBridge and Data Action deliveries in, Platform API calls out.
//!
//! Facts and sources: `shared/vendors/genesys.md`. Deliveries carry no signature, so they
//! are authenticated by a shared-secret header or Basic ([`crate::auth`]).

mod callbacks;
mod client;
mod normalize;
mod regions;
pub mod registration;
mod route;
mod template;

pub use callbacks::CallbackProgress;
pub use client::{
    CallbackRequest, ConsultProgress, ConsultToAddress, ConsultToAgent, ConsultToQueue,
    GenesysClient, GenesysCredentials, Participant, ParticipantState, Participants,
};
pub use normalize::normalize;
pub use regions::{login_base_for, region_api_base, REGIONS};
pub use route::{parse_route_request, route_response};
pub use template::template;
