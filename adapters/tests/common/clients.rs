//! Credentials as they go on the wire, and HTTP clients with test-sized limits.

use std::time::Duration;

use base64::Engine;

/// The `Authorization` value of HTTP Basic auth for `user` and `password`.
pub fn basic_auth(user: &str, password: &str) -> String {
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// An HTTP client that gives up on a request after `timeout`, so a mock that answers late
/// shows how a client classifies a timeout.
pub fn http_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("a client with only a timeout set builds")
}
