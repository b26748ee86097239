//! Client-side request budgets, so Escalator stays inside each platform's published
//! limit instead of learning it from 429s (CloudTalk's 60 per minute is shared with every
//! other integration on the account).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// A shared budget of requests per minute; every client request waits for a permit.
#[derive(Debug, Clone)]
pub struct RequestBudget {
    limiter: Arc<DefaultDirectRateLimiter>,
    per_minute: u32,
}

impl RequestBudget {
    /// `None` for a zero budget (no limit asked for).
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        let n = NonZeroU32::new(per_minute)?;
        // Bursts of up to a sixth of the minute's budget (at least 1), then a steady pace.
        let burst = NonZeroU32::new((per_minute / 6).max(1)).unwrap_or(NonZeroU32::MIN);
        Some(Self {
            limiter: Arc::new(RateLimiter::direct(Quota::per_minute(n).allow_burst(burst))),
            per_minute,
        })
    }

    pub fn limit(&self) -> u32 {
        self.per_minute
    }

    /// Waits until one more request fits in the budget.
    pub async fn acquire(&self) {
        self.limiter.until_ready().await;
    }
}

/// Takes a permit when a budget is set.
pub async fn acquire(budget: Option<&RequestBudget>) {
    if let Some(b) = budget {
        b.acquire().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_no_budget() {
        assert!(RequestBudget::per_minute(0).is_none());
        assert_eq!(RequestBudget::per_minute(60).map(|b| b.limit()), Some(60));
    }

    #[test]
    fn a_burst_beyond_the_budget_must_wait() {
        // 60 per minute: a burst of 10 goes at once, the 11th waits for the pace.
        let budget = RequestBudget::per_minute(60).expect("budget");
        for n in 0..10 {
            assert!(budget.limiter.check().is_ok(), "request {n} of the burst");
        }
        assert!(budget.limiter.check().is_err(), "the burst is spent");
    }
}
