//! Limits on what a request may cost before any handler reads it: the size of its header
//! block, and how fast one source may send to the ingress endpoints.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::ApiError;

/// Request line plus headers, in bytes, the service reads.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Header fields the service reads.
pub const MAX_HEADERS: usize = 100;

/// Refuses an oversized header block with a JSON 431 (hyper lets blocks up to
/// [`super::serve::HYPER_MAX_HEADER_BUFFER`] through to here).
pub async fn header_limits(request: Request, next: Next) -> Response {
    let headers = request.headers();
    if headers.len() > MAX_HEADERS {
        return ApiError::HeaderFieldsTooLarge {
            message: format!(
                "{} header fields; at most {MAX_HEADERS} are read",
                headers.len()
            ),
        }
        .into_response();
    }
    // Name, ": ", value and CRLF per field, as on the wire.
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    let bytes = target
        + headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum::<usize>();
    if bytes > MAX_HEADER_BYTES {
        return ApiError::HeaderFieldsTooLarge {
            message: format!(
                "the header block is {bytes} bytes; at most {MAX_HEADER_BYTES} are read"
            ),
        }
        .into_response();
    }
    next.run(request).await
}

/// Deliveries per second per source address on the webhook and routing endpoints.
pub struct IngressLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

/// Sources idle long enough to be back at a full burst are forgotten this often (checks).
const PRUNE_EVERY: u64 = 4096;

impl IngressLimiter {
    /// `None` when `per_second` is 0 (no limit). `burst` 0 means one second's worth.
    pub fn new(per_second: u32, burst: u32) -> Option<Arc<Self>> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst).unwrap_or(rate);
        Some(Arc::new(Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            checks: AtomicU64::new(0),
        }))
    }

    /// `Err(seconds)`: over the limit; retry after that many whole seconds (at least 1).
    pub fn check(&self, source: IpAddr) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&source).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }
}

/// Answers 429 with `Retry-After` to a source over its limit; requests without a known
/// peer (served other than by [`super::serve::serve`]) pass.
pub async fn rate_limit(
    State(limiter): State<Option<Arc<IngressLimiter>>>,
    request: Request,
    next: Next,
) -> Response {
    if let (Some(limiter), Some(peer)) = (&limiter, super::serve::peer(&request)) {
        if let Err(retry_after_seconds) = limiter.check(peer.ip()) {
            metrics::counter!("escalator_ingress_throttled_total").increment(1);
            return ApiError::TooManyRequests {
                retry_after_seconds,
            }
            .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_over_its_burst_is_told_when_to_retry_and_others_are_not_affected() {
        let limiter = IngressLimiter::new(1, 3).expect("a limit");
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert_eq!(limiter.check(a), Ok(()));
        }
        assert_eq!(limiter.check(a), Err(1));
        assert_eq!(limiter.check(b), Ok(()));
    }

    #[test]
    fn zero_is_no_limit_and_a_zero_burst_is_one_seconds_worth() {
        assert!(IngressLimiter::new(0, 10).is_none());
        let limiter = IngressLimiter::new(2, 0).expect("a limit");
        let a: IpAddr = [10, 0, 0, 1].into();
        assert_eq!(limiter.check(a), Ok(()));
        assert_eq!(limiter.check(a), Ok(()));
        assert!(limiter.check(a).is_err());
    }
}
