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

/// What a producer (speech analytics, agent assist) is configured with, and an example
/// event it sends.
pub fn template(url: &str, secret: &str) -> String {
    let example = serde_json::json!({
        "platform": "five9",
        "type": "utterance",
        "call_id": "<the platform's call id>",
        "occurred_at": "2026-03-19T22:04:48.128Z",
        "utterance_id": "<unique per utterance>",
        "speaker": "customer",
        "text": "I want to speak to a manager",
        "is_final": true,
        "confidence": 0.92,
        "language": "en-US"
    });
    format!(
        "# Standard Webhooks (https://www.standardwebhooks.com), spec v1.0.0\n\
         endpoint:  POST {}/webhooks/standard\n\
         secret:    {secret}\n\
         headers:   webhook-id (unique per event, reused on retries), webhook-timestamp (unix seconds, within 5 minutes),\n\
         \x20          webhook-signature (v1,<base64 HMAC-SHA256 of \"id.timestamp.body\">; several, space-separated, during a key rotation)\n\
         body:      one canonical event (docs/standard-feed.md), for example\n{}\n",
        url.trim_end_matches('/'),
        serde_json::to_string_pretty(&example).unwrap_or_default()
    )
}
