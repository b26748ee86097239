//! The vendor-neutral feed: canonical events signed per Standard Webhooks (spec v1.0.0),
//! for speech-analytics or agent-assist systems that hear calls on platforms that send no
//! live transcript.
//!
//! Verification (`webhook-id`, `webhook-timestamp`, `webhook-signature`; `svix-*` accepted
//! too): HMAC-SHA256 over `{id}.{timestamp}.{raw body}` with the base64-decoded key after
//! `whsec_`; any `v1,` entry of the space-separated signature list may match (key
//! rotation); the timestamp must be within 5 minutes of now either way. The `webhook-id`
//! is the dedupe key. The body schema is in `docs/standard-feed.md`.

mod normalize;
mod verify;

pub use normalize::normalize;
pub use verify::{sign, verify, verify_at, SigningKey, VerifyError, TOLERANCE};
