//! Outcome of a call to a platform API, classified for the dispatcher: retry later, give up
//! and fall back, or re-read state first because the effect may already have happened.

use std::time::Duration;

use http::HeaderMap;
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// 429, 5xx or an expired token: try again later. A 5xx may hide an applied request
    /// ([`CallError::may_have_applied`]): one that must not be repeated is read back first.
    #[error("retryable: HTTP {status}: {message}")]
    Retryable {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    /// Any other 4xx: repeating the same request cannot succeed.
    #[error("permanent: HTTP {status}: {message}")]
    Permanent { status: u16, message: String },
    /// The request may or may not have reached the platform (timeout, reset).
    #[error("transport: {0}")]
    Transport(String),
    /// We could not even build the request (missing participant, unmapped team…).
    #[error("cannot act: {0}")]
    Unactionable(String),
    /// A request that must not be repeated may have been applied, and reading the platform
    /// could not tell: it is parked, never sent again.
    #[error("uncertain: {0}")]
    Uncertain(String),
}

impl CallError {
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Retryable { status, .. } | CallError::Permanent { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            CallError::Permanent { .. } | CallError::Unactionable(_) | CallError::Uncertain(_)
        )
    }

    /// The same error with its message passed through `f` (to redact it).
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            CallError::Retryable {
                status,
                retry_after,
                message,
            } => CallError::Retryable {
                status,
                retry_after,
                message: f(message),
            },
            CallError::Permanent { status, message } => CallError::Permanent {
                status,
                message: f(message),
            },
            CallError::Transport(m) => CallError::Transport(f(m)),
            CallError::Unactionable(m) => CallError::Unactionable(f(m)),
            CallError::Uncertain(m) => CallError::Uncertain(f(m)),
        }
    }

    /// Whether the request may have been applied although no success came back: no answer
    /// at all (timeout, reset), or a server error after it was sent. A 429, a 401 or a 4xx
    /// was refused before acting; a connection that never opened sent nothing.
    pub fn may_have_applied(&self) -> bool {
        match self {
            CallError::Transport(_) | CallError::Uncertain(_) => true,
            CallError::Retryable { status, .. } => *status >= 500,
            CallError::Permanent { .. } | CallError::Unactionable(_) => false,
        }
    }

    /// Builds the error for a non-success response. `message` is the platform's own error
    /// text (never our request, which may carry personal data).
    pub fn from_status(status: u16, headers: &HeaderMap, message: String) -> Self {
        if status == 429 || status == 401 || status == 408 || status >= 500 {
            CallError::Retryable {
                status,
                retry_after: retry_after(headers, Timestamp::now()),
                message,
            }
        } else {
            CallError::Permanent { status, message }
        }
    }

    pub fn from_reqwest(err: &reqwest::Error) -> Self {
        // Never include the URL: it can carry ids of the call. The kind is enough to act on.
        let kind = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "connection failed"
        } else if err.is_decode() {
            "could not decode the response"
        } else {
            "request failed"
        };
        if err.is_connect() {
            // Nothing was sent, so nothing was applied: a plain retry is safe.
            CallError::Retryable {
                status: 0,
                retry_after: None,
                message: kind.to_string(),
            }
        } else {
            CallError::Transport(kind.to_string())
        }
    }
}

/// How long the platform asked us to wait: `Retry-After` (seconds or HTTP date) first,
/// else Genesys' `inin-ratelimit-reset` (seconds until the window resets).
pub fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    if let Some(v) = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
    {
        let v = v.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = jiff::fmt::rfc2822::parse(v) {
            let wait = at.timestamp().duration_since(now);
            return Some(Duration::try_from(wait).unwrap_or(Duration::ZERO));
        }
    }
    headers
        .get("inin-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn retry_after_seconds_date_and_genesys_reset() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("inin-ratelimit-reset", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(3)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Thu, 01 Jan 2026 00:00:30 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
    }

    #[test]
    fn classifies_statuses() {
        let h = HeaderMap::new();
        for s in [401, 408, 429, 500, 502, 503] {
            assert!(matches!(
                CallError::from_status(s, &h, String::new()),
                CallError::Retryable { .. }
            ));
        }
        for s in [400, 403, 404, 409, 422] {
            assert!(CallError::from_status(s, &h, String::new()).is_permanent());
        }
    }
}
