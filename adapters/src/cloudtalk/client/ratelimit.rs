//! CloudTalk's company-wide limit (vendor doc §6): 60 operations a minute per company,
//! shared by every integration of the account. Over it, CloudTalk answers 429 with
//! `X-CloudTalkAPI-Limit`, `X-CloudTalkAPI-Remaining` and `X-CloudTalkAPI-ResetTime` ("time
//! when the rate limit window will be reset as a Unix timestamp").
//!
//! UNCONFIRMED, and how each reading is handled:
//! - **Unit of `ResetTime`**: documented as a Unix timestamp, so seconds. A value of 10^12 or
//!   more can only be milliseconds and is read so; a value below 10^9 (before 2001) can only
//!   be a count of seconds until the reset and is read so. A fraction is allowed.
//! - **`Retry-After`**: [AE] says CloudTalk sends none, [MCP] reads it when present. When it is
//!   present it wins: it is the platform's own explicit answer.
//! - **Headers on successful responses**: only documented on 429. They are recorded whenever
//!   they appear, so [`RateLimit`] is as fresh as CloudTalk lets it be.

use std::time::Duration;

use http::HeaderMap;
use jiff::{SignedDuration, Timestamp};

pub const LIMIT_HEADER: &str = "x-cloudtalkapi-limit";
pub const REMAINING_HEADER: &str = "x-cloudtalkapi-remaining";
pub const RESET_HEADER: &str = "x-cloudtalkapi-resettime";

/// A reset further away than this is a misreading of the header, not a wait to honour: the
/// documented window is one minute.
const MAX_RESET_WAIT: Duration = Duration::from_secs(3600);

/// What the `X-CloudTalkAPI-*` headers of the last response said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the current window (60 by default).
    pub limit: Option<u32>,
    /// Requests left in the current window.
    pub remaining: Option<u32>,
    /// When the window resets.
    pub reset_at: Option<Timestamp>,
}

impl RateLimit {
    /// `None` when the response carried none of the three headers.
    pub fn from_headers(headers: &HeaderMap, now: Timestamp) -> Option<Self> {
        let limit = header_u32(headers, LIMIT_HEADER);
        let remaining = header_u32(headers, REMAINING_HEADER);
        let reset_at = header_str(headers, RESET_HEADER).and_then(|v| reset_at(v, now));
        if limit.is_none() && remaining.is_none() && reset_at.is_none() {
            return None;
        }
        Some(Self {
            limit,
            remaining,
            reset_at,
        })
    }

    /// How long until the window resets, from `now`; zero once it has.
    pub fn wait(&self, now: Timestamp) -> Option<Duration> {
        let at = self.reset_at?;
        let wait = Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO);
        (wait <= MAX_RESET_WAIT).then_some(wait)
    }
}

/// How long CloudTalk asked us to wait: `Retry-After` (seconds or HTTP date) when sent, else
/// the time until `X-CloudTalkAPI-ResetTime`.
pub fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    if headers.contains_key(http::header::RETRY_AFTER) {
        if let Some(wait) = crate::outbound::retry_after(headers, now) {
            return Some(wait);
        }
    }
    RateLimit::from_headers(headers, now)?.wait(now)
}

/// The three readings of `ResetTime` (module docs); also an RFC 3339 time, should one come.
fn reset_at(value: &str, now: Timestamp) -> Option<Timestamp> {
    let value = value.trim();
    if let Ok(n) = value.parse::<f64>() {
        if !n.is_finite() || n < 0.0 {
            return None;
        }
        return if n >= 1e12 {
            Timestamp::from_millisecond(n as i64).ok()
        } else if n >= 1e9 {
            Timestamp::from_second(n as i64).ok()
        } else {
            SignedDuration::try_from_secs_f64(n)
                .ok()
                .and_then(|d| now.checked_add(d).ok())
        };
    }
    value.parse::<Timestamp>().ok()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn header_u32(headers: &HeaderMap, name: &str) -> Option<u32> {
    header_str(headers, name).and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reset_time_in_seconds_milliseconds_or_as_a_countdown() {
        let epoch = now().as_second();
        for value in [
            format!("{}", epoch + 30),
            format!("{}", (epoch + 30) * 1000),
            "30".to_string(),
            "30.0".to_string(),
        ] {
            let h = headers(&[(RESET_HEADER, &value)]);
            assert_eq!(
                retry_after(&h, now()),
                Some(Duration::from_secs(30)),
                "{value}"
            );
        }
    }

    #[test]
    fn a_past_reset_means_no_wait_and_a_far_one_is_ignored() {
        let epoch = now().as_second();
        let past = headers(&[(RESET_HEADER, &format!("{}", epoch - 5))]);
        assert_eq!(retry_after(&past, now()), Some(Duration::ZERO));
        let far = headers(&[(RESET_HEADER, &format!("{}", epoch + 86_400))]);
        assert_eq!(retry_after(&far, now()), None);
        assert_eq!(
            retry_after(&headers(&[(RESET_HEADER, "soon")]), now()),
            None
        );
    }

    #[test]
    fn retry_after_wins_over_the_reset_time() {
        let epoch = now().as_second();
        let h = headers(&[
            ("retry-after", "4"),
            (RESET_HEADER, &format!("{}", epoch + 30)),
        ]);
        assert_eq!(retry_after(&h, now()), Some(Duration::from_secs(4)));
        assert_eq!(retry_after(&HeaderMap::new(), now()), None);
    }

    #[test]
    fn all_three_headers_are_exposed() {
        let epoch = now().as_second();
        let h = headers(&[
            ("X-CloudTalkAPI-Limit", "60"),
            ("X-CloudTalkAPI-Remaining", "0"),
            ("X-CloudTalkAPI-ResetTime", &format!("{}", epoch + 12)),
        ]);
        let r = RateLimit::from_headers(&h, now()).unwrap();
        assert_eq!(r.limit, Some(60));
        assert_eq!(r.remaining, Some(0));
        assert_eq!(r.wait(now()), Some(Duration::from_secs(12)));
        assert_eq!(RateLimit::from_headers(&HeaderMap::new(), now()), None);
    }
}
