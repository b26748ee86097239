//! Canned answers of a mocked platform.

use serde_json::Value;
use wiremock::ResponseTemplate;

/// `status` with `body` as JSON.
pub fn json_reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A 429 that asks the caller to wait: `retry_after` is seconds or an HTTP date.
pub fn too_many_requests(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header("Retry-After", retry_after)
}
